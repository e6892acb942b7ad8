import GainsayProto

/// The title of a report whose request names none, worded as a newsroom would headline it:
///
/// | selection | title |
/// |---|---|
/// | speaker and topic | What Ramzan Kadyrov said on lgbt, and what the record shows |
/// | speaker | What Ramzan Kadyrov said, and what the record shows |
/// | topic | Claims on lgbt, and what the record shows |
/// | claims only | Selected claims, and what the record shows |
///
/// followed by the dates of the selection, when it has any: " (2017–2019)", " (since 2017)",
/// " (until 2019)", or " (2017)" when both are the same. Dates keep their precision ("2017-07").
/// The same request always gives the same title.
enum ReportTitle {
  /// The default title; `speakerName` is the selected speaker's name (nil when the selection names
  /// no speaker).
  static func make(speakerName: String?, topic: String, since: PartialDate?, until: PartialDate?) -> String {
    let topic = topic.lowercased()
    var title: String
    switch (speakerName, topic.isEmpty) {
    case (let name?, false): title = "What \(name) said on \(topic)"
    case (let name?, true): title = "What \(name) said"
    case (nil, false): title = "Claims on \(topic)"
    case (nil, true): title = "Selected claims"
    }
    title += ", and what the record shows"
    switch (since?.iso, until?.iso) {
    case (let from?, let to?): title += from == to ? " (\(from))" : " (\(from)–\(to))"
    case (let from?, nil): title += " (since \(from))"
    case (nil, let to?): title += " (until \(to))"
    case (nil, nil): break
    }
    return title
  }
}
