/// A dataset folder's `dataset.json`, read as `DatasetFolder.read` reads it: the JSON
/// parser (a `JSONParser.Failure` or a value), then `DatasetManifest(json:path:)` (an
/// `MNISTToolsError` or a manifest). A manifest it accepts is written as `convert` writes it
/// and read again, which must give the same manifest.
import MNISTTools

func fuzzOneInput(_ input: UnsafeRawBufferPointer) {
    guard let json = try? JSONParser.parse(Array(input)),
          let manifest = try? DatasetManifest(json: json, path: "dataset.json") else { return }
    let text = manifest.json().formatted()
    do {
        let again = try DatasetManifest(json: try JSONParser.parse(Array(text.utf8)), path: "rewritten.json")
        require(again == manifest, "writing and reading again changed the manifest")
    } catch {
        fatalError("the manifest as written cannot be read again: \(error)\n\(text)")
    }
}
