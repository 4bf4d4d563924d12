"""HTTP surface of the scheduling domain: slots, rules, requests, holds, bookings."""
