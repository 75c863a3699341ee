"""The reporting service: the event log, read models, statistics, open data, reports."""
