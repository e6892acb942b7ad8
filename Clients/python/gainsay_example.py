#!/usr/bin/env python3
"""Logs a claim, links the reporting that contradicts it, and follows the ledger's changes, over
standard gRPC with grpcio: the gRPC socket of gainsayd (docs/PROTOCOL.md, "Standard gRPC").

    python3 Clients/python/gainsay_example.py [--socket PATH] [--stubs DIR] [--json]

Run Clients/python/generate-stubs first (it writes the gainsay.v1 stubs into Clients/python/gen).
Each step prints one line; with --json, one JSON object per line. Exits 0 on success; on a failed call
it prints the status code, the message and the google.rpc.Status details, and exits 64 + the code,
as the gainsay CLI does.
"""

import argparse
import json
import os
import queue
import sys
import threading

import grpc
from grpc_status import rpc_status
from google.rpc import error_details_pb2

HERE = os.path.dirname(os.path.abspath(__file__))


def default_socket():
    """The gRPC socket beside gainsayd's default socket."""
    if os.environ.get("GAINSAY_GRPC_SOCKET"):
        return os.environ["GAINSAY_GRPC_SOCKET"]
    if os.environ.get("GAINSAY_SOCKET"):
        base = os.environ["GAINSAY_SOCKET"]
        return (base[:-5] if base.endswith(".sock") else base) + ".grpc.sock"
    runtime = os.environ.get("XDG_RUNTIME_DIR") or "/tmp/gainsay-%d" % os.getuid()
    return os.path.join(runtime, "gainsay", "gainsayd.grpc.sock")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", default=default_socket(), help="gainsayd's gRPC socket")
    parser.add_argument("--stubs", default=os.path.join(HERE, "gen"), help="where generate-stubs wrote the stubs")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    try:
        from gainsay.v1 import claim_pb2, ledger_pb2, link_pb2, speaker_pb2, source_pb2, audit_pb2, common_pb2
        from gainsay.v1 import ledger_pb2_grpc
    except ImportError as error:
        sys.exit("gainsay_example: no stubs in %s (%s); run Clients/python/generate-stubs" % (args.stubs, error))

    def say(step, **fields):
        if args.json:
            print(json.dumps({"step": step, **fields}, ensure_ascii=False), flush=True)
        else:
            print("%s: %s" % (step, ", ".join("%s=%s" % item for item in fields.items())), flush=True)

    channel = grpc.insecure_channel("unix://" + args.socket)
    ledger = ledger_pb2_grpc.LedgerStub(channel)
    try:
        caller = ledger.GetCaller(ledger_pb2.GetCallerRequest(), timeout=5)
        say("caller", user=caller.actor.user_name, role=ledger_pb2.Role.Name(caller.role))

        # Follow every change from now on. confirm_subscription: the first event says the watch is
        # live, so nothing made after it can be missed.
        events = queue.Queue()
        watch = ledger.Watch(audit_pb2.WatchRequest(confirm_subscription=True))

        def follow():
            try:
                for event in watch:
                    events.put(event)
            except grpc.RpcError as error:
                events.put(error)

        threading.Thread(target=follow, daemon=True).start()
        first = events.get(timeout=10)
        if isinstance(first, grpc.RpcError):
            raise first
        say("watching", sequence=first.sequence, subscribed=first.subscribed)

        writes = 0
        try:
            speaker = ledger.CreateSpeaker(
                speaker_pb2.CreateSpeakerRequest(
                    speaker=speaker_pb2.Speaker(
                        name="Ramzan Kadyrov", kind=speaker_pb2.SPEAKER_KIND_PERSON, role="Head of the Chechen Republic"
                    )
                ),
                timeout=10,
            )
        except grpc.RpcError as error:
            # Already in the ledger: the error names the speaker who has the name.
            existing = error_info(error).get("resource") if error.code() == grpc.StatusCode.ALREADY_EXISTS else None
            if not existing:
                raise
            speaker = ledger.GetSpeaker(speaker_pb2.GetSpeakerRequest(id=existing), timeout=5)
        else:
            writes += 1
        say("speaker", id=speaker.id, name=speaker.name)

        created = ledger.CreateClaim(
            claim_pb2.CreateClaimRequest(
                claim=claim_pb2.Claim(
                    speaker_id=speaker.id,
                    text="We don\u2019t have any gays",
                    language="en",
                    said_on=common_pb2.PartialDate(year=2017, month=7),
                    context="Interview with HBO's Real Sports",
                )
            ),
            timeout=10,
        )
        claim = created.claim
        writes += 1
        say("claim", id=claim.id, text=claim.text)

        passage = "more than a hundred men suspected of being gay had been detained by the authorities in Chechnya"
        source = ledger.CreateSource(
            source_pb2.CreateSourceRequest(
                source=source_pb2.Source(
                    title="Honour killing: how gay men are persecuted in Chechnya",
                    outlet="Novaya Gazeta",
                    published_on=common_pb2.PartialDate(year=2017, month=4, day=1),
                    kind=source_pb2.SOURCE_KIND_NEWS_REPORT,
                    language="en",
                    # Pasted text keeps its non-breaking spaces and line breaks; the quote is found anyway.
                    archived_text="The newspaper reported that\u00a0" + passage.replace(" in Chechnya", "\nin Chechnya") + ".",
                )
            ),
            timeout=10,
        )
        writes += 1
        say("source", id=source.id, archived_text_size=source.archived_text_size)

        link = ledger.CreateLink(
            link_pb2.CreateLinkRequest(
                link=link_pb2.Link(
                    claim_id=claim.id,
                    source_id=source.id,
                    relation=link_pb2.RELATION_CONTRADICTS,
                    quote=link_pb2.TextQuote(exact=passage),
                )
            ),
            timeout=10,
        )
        writes += 1
        say("link", id=link.id, relation=link_pb2.Relation.Name(link.relation), quote_start=link.quote.start)

        # The watch saw each change, in order. The daemon's own notes (REPEATS_FOUND: claims it found to
        # resemble ours, just after CreateClaim answered) come on the same stream, and are not our writes.
        seen = []
        while len(seen) < writes:
            event = events.get(timeout=10)
            if isinstance(event, grpc.RpcError):
                raise event
            if event.action == audit_pb2.AUDIT_ACTION_REPEATS_FOUND:
                say("repeats", claim=event.resource_id, found=list(event.related_ids))
                continue
            seen.append(event)
            say("change", sequence=event.sequence, action=audit_pb2.AuditAction.Name(event.action),
                resource=event.resource_id)
        watch.cancel()

        read = ledger.GetClaim(claim_pb2.GetClaimRequest(id=claim.id), timeout=5)
        say("evidence", claim=read.id, contradicting=read.evidence.contradicting)
    except grpc.RpcError as error:
        report_error(error)
    finally:
        channel.close()


def error_info(error):
    """The reason and metadata of the google.rpc.ErrorInfo in a failed call's details, as a dict."""
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return dict(info.metadata, reason=info.reason)
    return {}


def report_error(error):
    """The status, its reason and field violations (google.rpc.Status details), and exit 64 + code."""
    code = error.code()
    line = "gainsay_example: %s: %s" % (code.name, error.details())
    status = rpc_status.from_call(error) if hasattr(error, "trailing_metadata") else None
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            line += "".join(" [%s]" % part for part in (info.reason, info.metadata.get("resource")) if part)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            line += "".join(" (%s: %s)" % (v.field, v.description) for v in bad.field_violations)
    print(line, file=sys.stderr)
    sys.exit(64 + code.value[0])


if __name__ == "__main__":
    main()
