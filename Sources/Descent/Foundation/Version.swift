/// Descent's version: printed by `descent --version`, written into `model.json`, and the
/// heading of the newest entry in CHANGELOG.md (a test checks that the two agree). Tag
/// releases with it (`git tag 0.9.0`); packages depend on Descent by that tag.
public let descentVersion = "0.12.0"
