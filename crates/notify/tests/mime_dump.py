"""Parses a mail file as MIME (Python's `email` package, the modern policy) and prints what the
tests check as JSON: the headers asked for, and each leaf part's content type and decoded text.

Usage: python3 mime_dump.py FILE
"""

import email
import email.policy
import json
import sys

with open(sys.argv[1], "rb") as f:
    message = email.message_from_binary_file(f, policy=email.policy.default)

parts = [
    {"type": part.get_content_type(), "text": part.get_content()}
    for part in message.walk()
    if not part.is_multipart()
]
print(
    json.dumps(
        {
            "content_type": message.get_content_type(),
            "subject": str(message["subject"]),
            "from": str(message["from"]),
            "to": str(message["to"]),
            "message_id": str(message["message-id"]),
            "notice": str(message["x-concord-notice"]),
            "date": str(message["date"]),
            "defects": [str(d) for d in message.defects],
            "parts": parts,
        }
    )
)
