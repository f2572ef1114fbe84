"""The Slack adapter: Bolt listeners, Block Kit rendering, the Notifier, HTTP and Socket Mode."""

from adapters.slack.app import SlackRuntime, build_slack
from adapters.slack.blocks import escape, fit, form_view, reply_message
from adapters.slack.notifier import SlackNotifier
from adapters.slack.settings import SlackConfigError, SlackSettings

__all__ = [
    "SlackConfigError",
    "SlackNotifier",
    "SlackRuntime",
    "SlackSettings",
    "build_slack",
    "escape",
    "fit",
    "form_view",
    "reply_message",
]
