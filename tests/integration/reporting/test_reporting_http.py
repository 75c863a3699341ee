"""The reporting service's built-in routes and its OpenAPI document."""


def test_openapi_lists_the_reporting_paths_and_health_answers(reporting):
    spec = reporting.get("/api/v1/openapi.json").json()
    assert {"/api/v1/stats/summary", "/api/v1/stats/grants", "/api/v1/open-data",
            "/api/v1/open-data/{dataset}.{fmt}",
            "/api/v1/reports/annual/{year}"} <= set(spec["paths"])
    assert reporting.get("/health/ready").status_code == 200
    assert "wspolpraca_reporting_events_logged" in reporting.get("/metrics").text
