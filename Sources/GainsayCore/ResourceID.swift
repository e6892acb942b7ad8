/// Server-assigned resource ids: a type prefix and 16 random base-32 characters, e.g. `clm_k3v9x2…`.
public enum ResourceID {
  private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

  public static func make(_ prefix: String) -> String {
    var generator = SystemRandomNumberGenerator()
    let suffix = (0..<16).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
    return prefix + "_" + String(suffix)
  }
}
