#!/usr/bin/env python3
"""Lists the services of gainsayd's gRPC socket and describes their methods, by server reflection
alone, with no .proto at hand (what `grpcurl -unix -plaintext SOCKET list` and `describe` do).

    python3 Clients/python/reflection_list.py [--socket PATH] [SERVICE ...]

Without SERVICE, prints each service's name; with one, prints each of its methods as
`Service.Method(Request) returns ([stream ]Response)`. Needs only grpcio and grpcio-reflection.
"""

import argparse
import sys

import grpc
from google.protobuf import descriptor_pool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from gainsay_example import default_socket


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", default=default_socket(), help="gainsayd's gRPC socket")
    parser.add_argument("services", nargs="*", help="services to describe")
    args = parser.parse_args()
    with grpc.insecure_channel("unix://" + args.socket) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        try:
            if not args.services:
                for name in database.get_services():
                    print(name)
                return
            pool = descriptor_pool.DescriptorPool(database)
            for name in args.services:
                service = pool.FindServiceByName(name)
                for method in service.methods:
                    print("%s.%s(%s%s) returns (%s%s)" % (
                        service.full_name, method.name,
                        "stream " if method.client_streaming else "", method.input_type.full_name,
                        "stream " if method.server_streaming else "", method.output_type.full_name))
        except grpc.RpcError as error:
            sys.exit("reflection_list: %s: %s" % (error.code().name, error.details()))
        except KeyError as error:
            sys.exit("reflection_list: the server does not know %s" % error)


if __name__ == "__main__":
    main()
