import XCTest

import RainbowTests

var tests = [XCTestCaseEntry]()
tests += RainbowTests.__allTests()

XCTMain(tests)
