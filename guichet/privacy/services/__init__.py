"""Privacy's writes: the data export (I2) and the retention purge (I3)."""
