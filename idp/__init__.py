"""The identity provider of the bus-booking platform."""
