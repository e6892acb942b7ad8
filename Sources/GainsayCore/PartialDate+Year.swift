import GainsayProto

extension PartialDate {
  init(year: Int32) {
    self.init()
    self.year = year
  }
}
