"""Parses an iCalendar feed read from standard input with the `icalendar` package
(Calendar.from_ical) and prints what the tests check as JSON: the calendar's properties and each
event's.

Usage: python3 ics_dump.py < feed.ics
"""

import json
import sys

from icalendar import Calendar

calendar = Calendar.from_ical(sys.stdin.buffer.read())
events = []
for event in calendar.walk("VEVENT"):
    events.append(
        {
            "uid": str(event["UID"]),
            "sequence": int(event["SEQUENCE"]),
            "dtstart": event.decoded("DTSTART").isoformat(),
            "dtend": event.decoded("DTEND").isoformat(),
            "dtstamp": event.decoded("DTSTAMP").isoformat(),
            "summary": str(event["SUMMARY"]),
            "description": str(event["DESCRIPTION"]),
            "url": str(event["URL"]),
        }
    )
print(
    json.dumps(
        {
            "prodid": str(calendar["PRODID"]),
            "version": str(calendar["VERSION"]),
            "name": str(calendar["X-WR-CALNAME"]),
            "errors": [str(e) for c in calendar.walk() for e in getattr(c, "errors", [])],
            "events": events,
        }
    )
)
