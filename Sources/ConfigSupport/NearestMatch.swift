/// "Did you mean …?" support: finds the candidate closest to a misspelt name.
public enum NearestMatch {
    /// The candidate with the smallest edit distance to `name`, if it is close enough to be a plausible typo.
    ///
    /// Comparison ignores case, and a swap of two neighbouring letters counts as one edit (`lien` → `line`),
    /// because those are the typos people make when writing configuration by hand.
    public static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(name.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()))
            // Ties go to the alphabetically first candidate so suggestions are stable across runs.
            if let current = best,
                distance > current.distance || (distance == current.distance && candidate >= current.candidate)
            {
                continue
            }
            best = (candidate, distance)
        }
        guard let best else { return nil }
        // Allow roughly one edit per three characters, at least two: enough for typos, too few for
        // unrelated names of similar length.
        let limit = max(2, target.count / 3)
        return best.distance <= limit ? best.candidate : nil
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions.
    static func editDistance(_ lhs: [Character], _ rhs: [Character]) -> Int {
        if lhs.isEmpty { return rhs.count }
        if rhs.isEmpty { return lhs.count }
        let columns = rhs.count + 1
        var previousPrevious = [Int](repeating: 0, count: columns)
        var previous = Array(0..<columns)
        var current = [Int](repeating: 0, count: columns)
        for i in 1...lhs.count {
            current[0] = i
            for j in 1...rhs.count {
                let cost = lhs[i - 1] == rhs[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, lhs[i - 1] == rhs[j - 2], lhs[i - 2] == rhs[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[rhs.count]
    }
}
