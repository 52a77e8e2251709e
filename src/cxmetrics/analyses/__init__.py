"""Analyses built on the engine: spikes, drivers, cohorts, comments, timelines, CLV, calculators."""
