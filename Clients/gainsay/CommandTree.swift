import ArgumentParser

/// The commands `gainsay` knows, walked from the real command definitions, so global option moving
/// (``GlobalOptions``) and typo suggestions (``CommandSuggestions``) follow whatever tree exists.
struct CommandTree {
  /// The command itself.
  let command: any ParsableCommand.Type

  /// The name typed on the command line, e.g. `list` for `gainsay claim list`.
  var name: String { command._commandName }

  /// The name and any aliases.
  var names: [String] { [name] + command.configuration.aliases }

  /// Whether help lists the command.
  var isVisible: Bool { command.configuration.shouldDisplay }

  /// The commands below this one.
  var children: [CommandTree] { command.configuration.subcommands.map(CommandTree.init) }

  /// The child that runs when no subcommand is named: its arguments follow this command directly
  /// (`gainsay link CLAIM SOURCE` runs `link add`).
  var defaultChild: CommandTree? { command.configuration.defaultSubcommand.map(CommandTree.init) }

  /// The child named `word` (by name or alias), if any.
  func child(named word: String) -> CommandTree? {
    children.first { $0.names.contains(word) }
  }

  /// Whether the command takes the connection options (`--socket`, `--timeout`, `--json`): it includes
  /// ``ConnectionOptions`` as an `@OptionGroup`, as every command that talks to the daemon does.
  var acceptsConnectionOptions: Bool {
    Mirror(reflecting: command.init()).children.contains { $0.value is OptionGroup<ConnectionOptions> }
  }

  /// The command that runs for this one: itself, or its default subcommand (followed down).
  var runnable: CommandTree {
    var node = self
    while let next = node.defaultChild { node = next }
    return node
  }

  /// The root: `gainsay`.
  static let root = CommandTree(command: Gainsay.self)
}
