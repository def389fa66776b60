import ConfigSchemas
import ConfigSupport
import Foundation

// Writes the configuration JSON Schemas generated from the Swift declarations (`make schemas`), into the folder given
// as the first argument or Firmware-config/schema, and the generated part of the board schema into the file given as
// the second argument or Boards/board.schema.json.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count <= 2 else {
    FileHandle.standardError.write(Data("usage: curb-schema [FOLDER [BOARD-SCHEMA]]\n".utf8))
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
let boardSchema = arguments.count > 1 ? arguments[1] : ConfigSchemas.boardSchemaFile
do {
    let committed = try String(contentsOfFile: boardSchema, encoding: .utf8)
    guard let spliced = ConfigSchemas.boardSchema(splicingInto: committed) else {
        FileHandle.standardError.write(Data("curb-schema: \(boardSchema) has no \"image\" entry in its $defs\n".utf8))
        exit(65)
    }
    try Data(spliced.utf8).write(to: URL(fileURLWithPath: boardSchema), options: .atomic)
    print("wrote \(boardSchema) ($defs.image)")
} catch {
    FileHandle.standardError.write(Data("curb-schema: \(boardSchema): \(error.localizedDescription)\n".utf8))
    exit(73)
}
