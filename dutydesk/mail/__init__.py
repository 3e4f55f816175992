"""Mail: parse inbound messages, read mail sources, build outbound mail.

Pure code: no database, no Textual, no clock. `parse_message` turns any
bytes into a `ParsedMessage` without raising (R-IN-1, R-IN-2),
`iter_sources` reads Maildir, mbox and message files, and
`build_message` / `reply_subject` produce the acknowledgement of R-TRI-4.
`strip_unsafe` is the one function every screen applies to text from
outside before showing it.
"""

from dutydesk.mail.compose import OutboundMail, UnsafeAddress, build_message, reply_subject
from dutydesk.mail.parse import Attachment, ParsedMessage, parse_message
from dutydesk.mail.sanitize import strip_unsafe
from dutydesk.mail.sources import MailSource, MailSourceError, iter_sources

__all__ = [
    "Attachment",
    "MailSource",
    "MailSourceError",
    "OutboundMail",
    "ParsedMessage",
    "UnsafeAddress",
    "build_message",
    "iter_sources",
    "parse_message",
    "reply_subject",
    "strip_unsafe",
]
