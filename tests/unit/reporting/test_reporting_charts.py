"""The annual report's charts are real PNG images, also when there is nothing to draw."""

import base64
import io

from PIL import Image

from reporting import charts


def image(uri: str) -> Image.Image:
    assert uri.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


def test_a_stacked_chart_has_a_row_per_area():
    three = image(charts.horizontal_stacked("Środki", ["Kultura", "Sport", "Ekologia"], [
        ("konkursy", charts.BLUE, [100.0, 40.0, 0.0]),
        ("małe granty", charts.GREEN, [10.0, 0.0, 5.0])]))
    one = image(charts.horizontal_stacked("Środki", ["Kultura"], [
        ("konkursy", charts.BLUE, [100.0]), ("małe granty", charts.GREEN, [0.0])]))
    assert three.format == "PNG" and three.height > one.height


def test_charts_of_an_empty_year_are_drawn():
    assert image(charts.horizontal_stacked("Środki", [], [("konkursy", charts.BLUE, [])]))
    months = image(charts.vertical("Miesiące", ["sty", "lut"], [0.0, 0.0]))
    assert months.size == (760 * charts.SCALE, 300 * charts.SCALE)
