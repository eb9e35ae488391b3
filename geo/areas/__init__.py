"""Areas: the layers a picture is drawn on (the built-in layer, official layers, the active one), Falkenberg's facts, place names and the point-in-area join."""
