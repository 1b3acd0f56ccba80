"""``graphrisk serve``: the real-time scoring service (FastAPI on uvicorn)."""

from __future__ import annotations

import argparse
import sys
import threading

from graphrisk.cli.options import add_graph_input_options, check_input_choice, graph_input, whole_number
from graphrisk.errors import InputError
from graphrisk.serve.limits import DEFAULT_MAX_BODY, MIN_MAX_BODY

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``serve`` command."""
    parser = commands.add_parser(
        "serve", help="serve real-time scores over HTTP (POST /score one transaction)",
        description="Score the input like graphrisk score, keep the graph and the network's node embeddings in "
        "memory, and serve POST /score: one canonical transaction in (JSON), its risk, the paying and receiving "
        "accounts' risk, the ring it touches and the reasons out, in milliseconds. Each transaction joins the "
        "graph at once (new accounts, devices and merchants included) and only the embeddings it reaches are "
        "recomputed; node inputs (PageRank, communities, co-activity...) are recomputed by a full scoring at "
        "start, on POST /refresh and every --refresh-every seconds. Also GET /users/ID, GET /health, and the "
        "OpenAPI schema at /openapi.json (browsable at /docs). Binds to 127.0.0.1 unless told otherwise.",
    )
    add_graph_input_options(parser)
    parser.add_argument("--model", required=True, metavar="DIR", help="model directory from graphrisk train")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    parser.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, metavar="BYTES",
                        help="largest request body, 413 above (default: %(default)s)")
    parser.add_argument("--refresh-every", type=float, default=0.0, metavar="SECONDS",
                        help="recompute every input and score this often (default: only on POST /refresh)")
    parser.add_argument("--reasons", type=whole_number(0), default=3, metavar="N",
                        help="reasons per account (default: %(default)s)")
    parser.set_defaults(run=run)


def _refresh_loop(scorer, seconds: float, stop: threading.Event) -> None:
    """Rescore everything every ``seconds``; a failed round is one line on stderr and the next one still runs."""
    while not stop.wait(seconds):
        try:
            health = scorer.refresh()
        except Exception as error:  # noqa: BLE001 - the service keeps serving on the last full scoring
            print(f"warning: full scoring failed, serving on the previous one: {type(error).__name__}: "
                  f"{' '.join(str(error).split())}", file=sys.stderr, flush=True)
            continue
        print(f"full scoring: {health['users']:,} users, {health['transactions']:,} transactions in "
              f"{health['full_scoring_seconds']} s", flush=True)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk serve``."""
    import torch
    import uvicorn

    from graphrisk.model.detector import RiskDetector
    from graphrisk.serve.app import create_app
    from graphrisk.serve.scorer import LiveScorer

    check_input_choice(args)  # cheap, before the model is loaded
    if args.max_body < MIN_MAX_BODY:
        raise InputError(f"--max-body must be at least {MIN_MAX_BODY} bytes (a transaction needs a few hundred)")
    if args.refresh_every < 0:
        raise InputError("--refresh-every must be 0 (off) or a number of seconds")
    # one request touches a few hundred rows: a second intra-op thread only adds synchronisation
    torch.set_num_threads(1)
    detector = RiskDetector.load(args.model, device="cpu")
    read = graph_input(args)
    graph = read.graph
    scorer = LiveScorer(detector, graph, links=read.tables["links"], users=read.tables["users"], reasons=args.reasons)
    health = scorer.health()
    for note in [*detector.notes_, *scorer.notes]:
        print(f"note: {note}", file=sys.stderr, flush=True)
    print(f"model {detector.version_}: {health['users']:,} users scored in {health['full_scoring_seconds']} s; "
          f"serving on http://{args.host}:{args.port} (POST /score, GET /health, docs at /docs)", flush=True)
    stop = threading.Event()
    if args.refresh_every > 0:
        threading.Thread(target=_refresh_loop, args=(scorer, args.refresh_every, stop), daemon=True).start()
    try:
        uvicorn.run(create_app(scorer, max_body=args.max_body), host=args.host, port=args.port,
                    log_level="warning", access_log=False)
    finally:
        stop.set()
    return 0
