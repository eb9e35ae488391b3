"""Figures from stored data: indicators, hotspots, evaluation of presence, survey statistics, the joint picture, one area's details and the promise's follow-up."""
