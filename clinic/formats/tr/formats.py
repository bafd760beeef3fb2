"""Turkish dates as Turkish readers write them: "3 Kasım 2026", without a leading zero."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d.m.Y"
