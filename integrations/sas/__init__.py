"""The SAS platform as a server: it must be told of the appointments its regulators booked."""
