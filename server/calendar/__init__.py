"""Calendar integration routes: feed URLs, the feeds themselves, imported busy calendars."""
