import ArgumentParser
import GainsayProto

/// `--publisher` and `--publisher-url`: the newsroom a ClaimReview names, over the daemon's config
/// ("publisher", "publisherURL"). Shared by `report` and `export`.
struct PublisherOptions: ParsableArguments {
  @Option(help: "ClaimReview: the newsroom's name (over the config's \"publisher\").")
  var publisher = ""
  @Option(name: .customLong("publisher-url"), help: "ClaimReview: its web address (over \"publisherURL\").")
  var publisherURL = ""

  var isEmpty: Bool { publisher.isEmpty && publisherURL.isEmpty }

  func apply(to request: inout GenerateReportRequest) {
    request.publisher = publisher
    request.publisherURL = publisherURL
  }
}
