"""The registry's WSGI app called in process (no socket, no client): CPU per call of
`/health/live`, a search and `/api/v1/areas`, and with --profile a cProfile of the search.

    .venv/bin/python bench/search_app.py [ORGANIZATIONS] [CALLS] [--profile]

The registry container runs in this process on a SecantusDB and vhost of its own, with
ORGANIZATIONS (2,000) verified organisations, and answers from its search index once loaded;
each route is called CALLS (1,000) times, three rounds. What `bench/search.py` measures minus
HTTP and the client: where a search's own cost goes. Profile: build/search_app.prof.txt.
"""

import warnings

warnings.filterwarnings("ignore", message="\\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()

import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import harness  # noqa: E402
from pymongo import MongoClient  # noqa: E402
from search import organizations, query_params  # noqa: E402
from throughput import ROOT  # noqa: E402

from registry.repository import COLLECTIONS, ORGANIZATIONS  # noqa: E402
from registry.search_index import OrganizationSearch  # noqa: E402
from registry.service import RegistryService  # noqa: E402
from wspolpraca.http import ApiApp, ApiServer  # noqa: E402
from wspolpraca.mongo import ensure_schema  # noqa: E402
from wspolpraca.testing.plugin import run_service  # noqa: E402


def environ(path: str, query: str = "") -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1:80",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.errors": sys.stderr}


def main() -> int:
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    count, calls = (numbers + [2000, 1000][len(numbers):])[:2]
    with harness.infrastructure() as bench:
        mongo = MongoClient(bench.secantus.uri, tz_aware=True)
        db = mongo["registry"]
        ensure_schema(db, COLLECTIONS)
        db[ORGANIZATIONS].insert_many(organizations(count, 7))
        running = run_service(RegistryService, bench.secantus.uri, bench.vhost.uri,
                              mongo_database="registry")
        try:
            search = OrganizationSearch.of(running.container)
            while search.index is None or len(search.index) < count:
                eventlet.sleep(0.2)
            server = next(e for e in running.container.subextensions
                          if isinstance(e, ApiServer))
            app = ApiApp(server)
            rng = random.Random(1)
            queries = [urlencode(query_params(rng)) for _ in range(200)]

            def start_response(status, headers, exc_info=None):
                assert status.startswith("200"), status
                return lambda data: None

            def call(path: str, query: str = "") -> bytes:
                return b"".join(app(environ(path, query), start_response))

            cases = {"live": lambda i: call("/health/live"),
                     "search": lambda i: call("/api/v1/organizations", queries[i % 200]),
                     "areas": lambda i: call("/api/v1/areas")}
            for case in cases.values():
                for i in range(200):
                    case(i)
            results: dict[str, list[float]] = {}
            for _round in range(3):
                for name, case in cases.items():
                    begin = time.process_time()
                    for i in range(calls):
                        case(i)
                    results.setdefault(name, []).append(
                        (time.process_time() - begin) / calls * 1000)
            for name, values in results.items():
                print(f"{name}: {' '.join(f'{v:.3f}' for v in values)} ms CPU per call "
                      f"(least {min(values):.3f})")
            if "--profile" in sys.argv:
                profile = cProfile.Profile(time.process_time)
                profile.enable()
                for i in range(calls):
                    cases["search"](i)
                profile.disable()
                out = io.StringIO()
                stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
                stats.print_stats(70)
                stats.sort_stats("tottime").print_stats(40)
                path = ROOT / "build" / "search_app.prof.txt"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(out.getvalue())
                print(f"profile: {path}")
        finally:
            running.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
