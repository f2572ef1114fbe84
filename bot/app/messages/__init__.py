"""Every word the bot says, channel-neutral: plain-text `Reply` values the adapters render.

Nothing here is markup; adapters escape whatever they render. Instants are shown in the
agreement's time zone. The wording lives by subject: `intake` (the ticket form), `tickets`
(filing and acting on tickets), `questions` (answers to free text), `text` (shared phrases);
`da` has the Danish answers to Danish questions (see `phrasebook`).
"""
