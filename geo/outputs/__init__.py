"""What people read away from the app: maps (folium), slide figures, the meeting report and the checks that a figure reads at a glance."""
