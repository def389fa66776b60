import ConfigSchemas
import ConfigSupport
import Foundation

// Writes the configuration JSON Schemas generated from the Swift declarations (`make schemas`), into the folder given
// as the only argument or Firmware-config/schema.
let arguments = CommandLine.arguments.dropFirst()
guard arguments.count <= 1 else {
    FileHandle.standardError.write(Data("usage: curb-schema [FOLDER]\n".utf8))
    exit(64)
}
let folder = URL(fileURLWithPath: arguments.first ?? ConfigSchemas.folder)
for (file, schema) in ConfigSchemas.documents {
    let url = folder.appendingPathComponent(file)
    do {
        try Data(schema.rendered.utf8).write(to: url, options: .atomic)
        print("wrote \(url.path)")
    } catch {
        FileHandle.standardError.write(Data("curb-schema: \(url.path): \(error.localizedDescription)\n".utf8))
        exit(73)
    }
}
