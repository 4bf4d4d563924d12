"""What a patient is told of an appointment: the booking slip, printed or e-mailed."""
