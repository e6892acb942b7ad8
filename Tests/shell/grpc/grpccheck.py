"""Shared by the Python snippets of Tests/shell/grpc-tests.sh: a channel to gainsayd's gRPC socket
(GSY_GRPC_SOCKET) and the google.rpc.Status details of a failed call, as plain values."""

import os

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

SOCKET = os.environ["GSY_GRPC_SOCKET"]


def channel(*options):
    """A channel to the daemon's gRPC socket; `options` as grpcio takes them."""
    return grpc.insecure_channel("unix://" + SOCKET, options=list(options))


def details(error):
    """The ErrorInfo (reason, domain, metadata) and BadRequest field violations of a failed call:
    {"reason": ..., "domain": ..., "metadata": {...}, "violations": [(field, description)], "status": bool},
    with "mismatch" when the details' code is not the call's (rpc_status.from_call refuses them then)."""
    found = {"reason": None, "domain": None, "metadata": {}, "violations": [], "status": False}
    try:
        status = rpc_status.from_call(error)
    except ValueError as mismatch:
        # The trailers' google.rpc.Status and the call's code disagree: read the details anyway, and say so.
        found["mismatch"] = str(mismatch)
        status = next((status_pb2.Status.FromString(value) for key, value in error.trailing_metadata() or ()
                       if key == "grpc-status-details-bin"), None)
    if status is None:
        return found
    found["status"] = True
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            found.update(reason=info.reason, domain=info.domain, metadata=dict(info.metadata))
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found["violations"] += [(v.field, v.description) for v in bad.field_violations]
    return found


def fails(call, *args, **kwargs):
    """Runs `call`, which must fail: its grpc.RpcError (AssertionError if it succeeds)."""
    try:
        result = call(*args, **kwargs)
    except grpc.RpcError as error:
        return error
    raise AssertionError("the call succeeded: %r" % (result,))


def describe(error):
    """One line for a failed call: code, message and details."""
    return "%s %r %r" % (error.code().name, error.details(), details(error))
