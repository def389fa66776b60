// Rung (b): + FoundationEssentials (Data, Date, JSONEncoder: what our modules use of it).
import FoundationEssentials
import Glibc

struct Reading: Codable { var name: String; var value: Double; var at: Date }
let encoded = try JSONEncoder().encode(Reading(name: "lux", value: 12.5, at: Date()))
let decoded = try JSONDecoder().decode(Reading.self, from: encoded)
print("ready \(encoded.count) \(decoded.name)")
fflush(nil)
while true { pause() }
