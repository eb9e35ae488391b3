import numpy as np
import pytest
from sqlalchemy import Engine

from geo.areas.join import area_codes_for_points
from geo.errors import CRSError
from geo.store.database import active_layer


def test_points_get_the_code_of_the_area_they_fall_in(store: Engine) -> None:
    _info, layer = active_layer(store)
    inside = layer.geometry.representative_point()
    x = np.append(inside.x.to_numpy(), [0.0, np.nan])
    y = np.append(inside.y.to_numpy(), [0.0, 6_300_000.0])
    codes = area_codes_for_points(x, y, layer)
    assert list(codes[:-2]) == list(layer["area_code"])
    assert codes[-2] is None and codes[-1] is None


def test_join_refuses_a_geographic_layer(store: Engine) -> None:
    _info, layer = active_layer(store)
    with pytest.raises(CRSError, match="to_crs"):
        area_codes_for_points(np.array([12.5]), np.array([56.9]), layer.to_crs("EPSG:4326"))
