"""iCalendar in and out: subscription feeds written for every calendar app, busy time read
from the professionals' own calendars."""
