/// Decodes the base64 text the generator embeds (whitespace ignored); traps on anything else,
/// since the input is generated and committed.
func decodeBase64(_ text: String) -> [UInt8] {
  var table = [UInt8](repeating: 0xFF, count: 256)
  for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
    table[Int(character)] = UInt8(index)
  }
  var output: [UInt8] = []
  output.reserveCapacity(text.utf8.count * 3 / 4)
  var accumulator: UInt32 = 0
  var bits = 0
  for character in text.utf8 {
    if character == UInt8(ascii: "=") { break }
    if character == UInt8(ascii: "\n") || character == UInt8(ascii: " ") { continue }
    let value = table[Int(character)]
    precondition(value != 0xFF, "invalid base64 in generated code")
    accumulator = (accumulator << 6) | UInt32(value)
    bits += 6
    if bits >= 8 {
      bits -= 8
      output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
    }
  }
  return output
}
