// Rung (a): a trivial Swift program — the Swift runtime and nothing else.
import Glibc

var numbers = [Int](repeating: 0, count: 64)
for index in numbers.indices { numbers[index] = index * index }
print("ready \(numbers.reduce(0, +))")
fflush(nil)
while true { pause() }
