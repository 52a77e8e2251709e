"""Time: reporting periods, local clocks and business hours."""
