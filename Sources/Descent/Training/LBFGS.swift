/// Limited-memory BFGS (Nocedal and Wright, *Numerical Optimization*, 2nd ed., algorithm
/// 7.4 and 7.5) with a line search that returns only steps meeting the strong Wolfe
/// conditions (their algorithms 3.5 and 3.6: bracketing, then zooming by safeguarded cubic
/// interpolation; the equivalent of More-Thuente that scipy's `line_search_wolfe2` uses).
///
/// Everything here is scalar arithmetic in `Double` over the whole parameter vector, done by
/// one thread in index order: the dot products of the history, the two-loop recursion and
/// every decision of the line search. The objective's value and gradient come from the
/// fixed-order reduction, so they are the same bits for any thread count, NUMA policy or
/// rank count, and so is every iterate.
///
/// With an L1 penalty (`l1` > 0) it is OWL-QN (Andrew and Gao, "Scalable training of
/// L1-regularized log-linear models", ICML 2007): the pseudo-gradient of f + l1 |w|_1 takes
/// the gradient's place, the direction keeps only the components that descend along it, and
/// a backtracking (Armijo) search projects every trial point onto the orthant the step
/// started in, so coefficients that cross zero stop at exactly zero.
///
/// Convergence is judged as scikit-learn's lbfgs solver judges it (scipy's `gtol` and
/// `ftol`): the largest absolute component of the gradient at most ``tolerance``, or a
/// relative decrease of the objective of at most 64 machine epsilons in an iteration.
package struct LBFGS {
    /// The objective: writes its gradient at `x` into `gradient` and returns its value.
    package typealias Objective = (_ x: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>)
        -> Double

    /// Sufficient decrease (Armijo) constant c1 of the Wolfe conditions.
    package static let sufficientDecrease = 1e-4
    /// Curvature constant c2 of the strong Wolfe conditions (0.9, the usual choice for
    /// quasi-Newton methods).
    package static let curvature = 0.9
    /// Objective evaluations one line search may use (scipy's `line_search_wolfe2` uses 10 to bracket and 10 to zoom).
    package static let maximumEvaluations = 20
    /// scikit-learn's `ftol`: an iteration whose relative decrease is at most this converged.
    package static let relativeDecrease = 64 * Double.ulpOfOne

    /// How an iteration ended.
    package enum Outcome: Equatable, Sendable {
        /// A step was taken and the run may go on.
        case progressed
        /// The gradient is within the tolerance.
        case gradientWithinTolerance
        /// The objective fell by at most ``relativeDecrease`` (relative).
        case decreaseBelowPrecision
        /// No step meeting the Wolfe conditions could be found (the objective is flat to
        /// working precision along the search direction).
        case lineSearchFailed
    }

    /// One iteration's figures.
    package struct Step: Equatable, Sendable {
        /// The objective at the new point.
        package var value: Double
        /// The accepted step length along the search direction.
        package var stepLength: Double
        /// Objective evaluations (full passes over the data) this iteration used.
        package var evaluations: Int
        package var outcome: Outcome
    }

    package let memory: Int
    package let tolerance: Double
    /// The L1 penalty's strength (0: plain L-BFGS) and which parameters it applies to (empty:
    /// every one).
    package let l1: Double
    let penalized: [Bool]
    /// The current point.
    package private(set) var x: [Double]
    /// The objective at ``x`` (the L1 term included) and the gradient of its smooth part.
    package private(set) var value: Double
    package private(set) var gradient: [Double]
    /// The correction pairs s = x_{k+1} - x_k and y = g_{k+1} - g_k, oldest first, with
    /// rho = 1 / (y . s).
    private(set) var s: [[Double]]
    private(set) var y: [[Double]]
    private var rho: [Double]
    /// Objective evaluations since this value was made (the start counts one).
    package private(set) var evaluations = 0
    /// A diagonal preconditioner M (nil: none): the recursion's initial inverse Hessian is
    /// gamma M with gamma = s . y / (y . M y), instead of gamma I with s . y / (y . y). This is
    /// L-BFGS in the variables u = M^(-1/2) x, where the objective's curvature is about the
    /// same in every direction when M is the inverse of the Hessian's diagonal; the iterates,
    /// the line search and the tolerance stay in x.
    let metric: [Double]?

    /// Starts at `x` (or at a saved state's point with its history) and evaluates the
    /// objective there.
    package init(
        x: [Double], history: (s: [[Double]], y: [[Double]]) = ([], []), memory: Int, tolerance: Double,
        l1: Double = 0, penalized: [Bool] = [], metric: [Double]? = nil, objective: Objective
    ) {
        precondition(metric == nil || (metric!.count == x.count && l1 == 0), "a metric for L-BFGS without L1")
        self.metric = metric
        precondition(memory >= 1 && history.s.count == history.y.count && history.s.count <= memory)
        precondition(penalized.isEmpty || penalized.count == x.count)
        self.memory = memory
        self.tolerance = tolerance
        self.l1 = l1
        self.penalized = penalized
        self.x = x
        s = history.s
        y = history.y
        rho = zip(history.s, history.y).map { 1 / LBFGS.dot($0, $1) }
        gradient = []
        value = 0
        var g = [Double](repeating: 0, count: x.count)
        value = evaluate(objective, at: x, into: &g)
        gradient = g
    }

    /// Whether the gradient at the current point is already within the tolerance.
    package var gradientWithinTolerance: Bool { LBFGS.maximumMagnitude(steepest) <= tolerance }

    /// The gradient, or with an L1 penalty the pseudo-gradient: the derivative of f + l1 |w|
    /// in the direction of steepest descent (0 where zero lies between the one-sided ones).
    package var steepest: [Double] {
        guard l1 > 0 else { return gradient }
        var out = gradient
        for i in 0..<x.count where penalized.isEmpty || penalized[i] {
            if x[i] > 0 {
                out[i] = gradient[i] + l1
            } else if x[i] < 0 {
                out[i] = gradient[i] - l1
            } else if gradient[i] + l1 < 0 {
                out[i] = gradient[i] + l1
            } else if gradient[i] - l1 > 0 {
                out[i] = gradient[i] - l1
            } else {
                out[i] = 0
            }
        }
        return out
    }

    /// The history as one array (pairs, then x, then every s, then every y), for a checkpoint.
    package var savedState: [Double] {
        [Double(s.count)] + x + s.joined() + y.joined()
    }

    /// The point and history of ``savedState``, or nil when `state` does not hold
    /// `parameterCount` parameters and at most `memory` pairs.
    package static func restore(_ state: [Double], parameterCount n: Int, memory: Int)
        -> (x: [Double], s: [[Double]], y: [[Double]])?
    {
        guard let first = state.first, first >= 0, first <= Double(memory), first == first.rounded() else {
            return nil
        }
        let pairs = Int(first)
        guard state.count == 1 + n + 2 * pairs * n else { return nil }
        let x = Array(state[1..<(1 + n)])
        let s = (0..<pairs).map { Array(state[(1 + n + $0 * n)..<(1 + n + ($0 + 1) * n)]) }
        let base = 1 + n + pairs * n
        let y = (0..<pairs).map { Array(state[(base + $0 * n)..<(base + ($0 + 1) * n)]) }
        guard zip(s, y).allSatisfy({ dot($0, $1) > 0 }) else { return nil }
        return (x, s, y)
    }

    /// One iteration: a direction from the two-loop recursion, a strong-Wolfe step along
    /// it, and the history updated with the step's correction pair.
    package mutating func iterate(_ objective: Objective) -> Step {
        if l1 > 0 { return orthantWiseIterate(objective) }
        let before = evaluations
        var direction = searchDirection()
        var slope = LBFGS.dot(gradient, direction)
        if !(slope < 0) {
            // Not a descent direction (rounding in a badly conditioned history): start over
            // from steepest descent.
            s.removeAll()
            y.removeAll()
            rho.removeAll()
            direction = gradient.map { -$0 }
            slope = LBFGS.dot(gradient, direction)
            guard slope < 0 else {
                return Step(value: value, stepLength: 0, evaluations: 0, outcome: .gradientWithinTolerance)
            }
        }
        // The first step of a fresh history is scaled to unit length (as scipy's L-BFGS-B);
        // after that the recursion's scaling makes 1 the natural trial step.
        let initial = s.isEmpty ? min(1, 1 / LBFGS.dot(direction, direction).squareRoot()) : 1
        guard let found = lineSearch(objective, direction: direction, slope: slope, initial: initial) else {
            return Step(
                value: value, stepLength: 0, evaluations: evaluations - before, outcome: .lineSearchFailed)
        }
        let previous = value
        var step = [Double](repeating: 0, count: x.count)
        var change = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count {
            step[i] = found.x[i] - x[i]
            change[i] = found.gradient[i] - gradient[i]
        }
        remember(step: step, change: change)
        x = found.x
        value = found.value
        gradient = found.gradient
        return Step(value: value, stepLength: found.step, evaluations: evaluations - before, outcome: outcome(previous))
    }

    /// Keeps the correction pair (s, y) when its curvature s . y is positive enough.
    mutating func remember(step: [Double], change: [Double]) {
        let sy = LBFGS.dot(step, change)
        if sy > Double.ulpOfOne * LBFGS.dot(change, change) {
            if s.count == memory {
                s.removeFirst()
                y.removeFirst()
                rho.removeFirst()
            }
            s.append(step)
            y.append(change)
            rho.append(1 / sy)
        }
    }

    /// How an iteration that moved from an objective of `previous` ended.
    func outcome(_ previous: Double) -> Outcome {
        if gradientWithinTolerance { return .gradientWithinTolerance }
        if previous - value <= LBFGS.relativeDecrease * max(abs(previous), abs(value), 1) {
            return .decreaseBelowPrecision
        }
        return .progressed
    }

    /// One OWL-QN iteration: the direction from the pseudo-gradient, constrained to descend
    /// along it component by component; trial points projected onto the orthant of the
    /// start (a component whose sign would change stops at zero); backtracking from 1 (from
    /// 1 / |d| with an empty history) until the objective falls by 1e-4 of the pseudo-gradient's
    /// prediction.
    mutating func orthantWiseIterate(_ objective: Objective) -> Step {
        let before = evaluations
        let pseudo = steepest
        var direction = searchDirection(from: pseudo)
        for i in 0..<x.count where direction[i] * pseudo[i] >= 0 { direction[i] = 0 }
        if !(LBFGS.dot(pseudo, direction) < 0) {
            s.removeAll()
            y.removeAll()
            rho.removeAll()
            direction = pseudo.map { -$0 }
            guard LBFGS.dot(pseudo, direction) < 0 else {
                return Step(value: value, stepLength: 0, evaluations: 0, outcome: .gradientWithinTolerance)
            }
        }
        var orthant = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count { orthant[i] = x[i] != 0 ? (x[i] > 0 ? 1 : -1) : (pseudo[i] < 0 ? 1 : -1) }
        var step = s.isEmpty ? min(1, 1 / LBFGS.dot(direction, direction).squareRoot()) : 1
        var point = [Double](repeating: 0, count: x.count)
        var g = [Double](repeating: 0, count: x.count)
        for _ in 0..<LBFGS.maximumEvaluations {
            for i in 0..<x.count {
                point[i] = x[i] + step * direction[i]
                if (penalized.isEmpty || penalized[i]) && point[i] * orthant[i] <= 0 { point[i] = 0 }
            }
            let trialValue = evaluate(objective, at: point, into: &g)
            var predicted = 0.0
            for i in 0..<x.count { predicted = predicted + pseudo[i] * (point[i] - x[i]) }
            if trialValue.isFinite && trialValue <= value + LBFGS.sufficientDecrease * predicted {
                var moved = [Double](repeating: 0, count: x.count)
                var change = [Double](repeating: 0, count: x.count)
                for i in 0..<x.count {
                    moved[i] = point[i] - x[i]
                    change[i] = g[i] - gradient[i]
                }
                remember(step: moved, change: change)
                let previous = value
                x = point
                value = trialValue
                gradient = g
                return Step(
                    value: value, stepLength: step, evaluations: evaluations - before, outcome: outcome(previous))
            }
            step = step / 2
        }
        return Step(value: value, stepLength: 0, evaluations: evaluations - before, outcome: .lineSearchFailed)
    }

    /// The two-loop recursion: -H g, with H the inverse Hessian approximation of the
    /// history scaled by (s . y) / (y . y) of the newest pair.
    func searchDirection() -> [Double] { searchDirection(from: steepest) }

    /// -H v for the history's inverse Hessian approximation H.
    func searchDirection(from v: [Double]) -> [Double] {
        var q = v
        let count = s.count
        var a = [Double](repeating: 0, count: count)
        for k in stride(from: count - 1, through: 0, by: -1) {
            a[k] = rho[k] * LBFGS.dot(s[k], q)
            for i in 0..<q.count { q[i] = q[i] - a[k] * y[k][i] }
        }
        if let metric {
            if let last = count > 0 ? count - 1 : nil {
                var yMy = 0.0
                for i in 0..<q.count { yMy = yMy + y[last][i] * metric[i] * y[last][i] }
                let scale = 1 / (rho[last] * yMy)
                for i in 0..<q.count { q[i] = scale * metric[i] * q[i] }
            } else {
                for i in 0..<q.count { q[i] = metric[i] * q[i] }
            }
        } else if let last = count > 0 ? count - 1 : nil {
            let scale = 1 / (rho[last] * LBFGS.dot(y[last], y[last]))
            for i in 0..<q.count { q[i] = scale * q[i] }
        }
        for k in 0..<count {
            let b = rho[k] * LBFGS.dot(y[k], q)
            for i in 0..<q.count { q[i] = q[i] + (a[k] - b) * s[k][i] }
        }
        for i in 0..<q.count { q[i] = -q[i] }
        return q
    }

    /// A trial point of the line search.
    struct Trial {
        var step: Double
        var x: [Double]
        var value: Double
        var gradient: [Double]
        /// The directional derivative g(x + step d) . d.
        var slope: Double
    }

    /// A step length that meets the strong Wolfe conditions, with the point, value and
    /// gradient there; nil when none was found within ``maximumEvaluations`` (then the
    /// best point with sufficient decrease is returned if there is one).
    mutating func lineSearch(_ objective: Objective, direction: [Double], slope: Double, initial: Double) -> Trial? {
        let c1 = LBFGS.sufficientDecrease
        let c2 = LBFGS.curvature
        let origin = Trial(step: 0, x: x, value: value, gradient: gradient, slope: slope)
        func trial(_ step: Double) -> Trial {
            var point = [Double](repeating: 0, count: x.count)
            for i in 0..<x.count { point[i] = x[i] + step * direction[i] }
            var g = [Double](repeating: 0, count: x.count)
            let f = evaluate(objective, at: point, into: &g)
            return Trial(step: step, x: point, value: f, gradient: g, slope: LBFGS.dot(g, direction))
        }
        func sufficient(_ t: Trial) -> Bool { t.value <= value + c1 * t.step * slope }
        func curved(_ t: Trial) -> Bool { abs(t.slope) <= -c2 * slope }
        var used = 0
        // Zoom into [lo, hi]: lo satisfies sufficient decrease with the lowest value so far;
        // the interval holds a step meeting both conditions.
        func zoom(_ low: Trial, _ high: Trial) -> Trial? {
            var lo = low
            var hi = high
            while used < LBFGS.maximumEvaluations {
                let width = hi.step - lo.step
                if abs(width) <= Double.ulpOfOne * max(1, abs(lo.step)) { break }
                var next = LBFGS.cubicMinimizer(lo, hi) ?? (lo.step + hi.step) / 2
                let margin = 0.1 * abs(width)
                if !(next > min(lo.step, hi.step) + margin && next < max(lo.step, hi.step) - margin) {
                    next = (lo.step + hi.step) / 2
                }
                let t = trial(next)
                used += 1
                if !sufficient(t) || t.value >= lo.value {
                    hi = t
                } else {
                    if curved(t) { return t }
                    if t.slope * (hi.step - lo.step) >= 0 { hi = lo }
                    lo = t
                }
            }
            return lo.step > 0 && lo.value < value ? lo : nil
        }
        var previous = origin
        var step = initial
        while used < LBFGS.maximumEvaluations {
            let t = trial(step)
            used += 1
            if !t.value.isFinite || !sufficient(t) || (used > 1 && t.value >= previous.value) {
                if !t.value.isFinite {
                    // Overflow far out: retreat towards the last good step.
                    step = previous.step + (step - previous.step) / 4
                    if step - previous.step <= Double.ulpOfOne * max(1, previous.step) { break }
                    continue
                }
                return zoom(previous, t)
            }
            if curved(t) { return t }
            if t.slope >= 0 { return zoom(t, previous) }
            previous = t
            step = step * 4
        }
        return previous.step > 0 && previous.value < value ? previous : nil
    }

    /// The minimizer of the cubic through two trial points' values and slopes (Nocedal and
    /// Wright, equation 3.59), or nil when it has none.
    static func cubicMinimizer(_ a: Trial, _ b: Trial) -> Double? {
        let d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.step - b.step)
        let discriminant = d1 * d1 - a.slope * b.slope
        guard discriminant >= 0 else { return nil }
        let d2 = (b.step > a.step ? 1.0 : -1.0) * discriminant.squareRoot()
        let t = b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2)
        return t.isFinite ? t : nil
    }

    /// The objective at `point` (its smooth part's gradient into `g`), the L1 term included.
    private mutating func evaluate(_ objective: Objective, at point: [Double], into g: inout [Double]) -> Double {
        evaluations += 1
        let smooth = point.withUnsafeBufferPointer { p in g.withUnsafeMutableBufferPointer { objective(p, $0) } }
        guard l1 > 0 else { return smooth }
        var norm = 0.0
        for i in 0..<point.count where penalized.isEmpty || penalized[i] { norm = norm + abs(point[i]) }
        return smooth + l1 * norm
    }

    /// The sum of a[i] b[i] in index order (the same bits on every machine and build).
    /// a . b in a fixed order: four sums over the components in turn (component i to sum
    /// i mod 4), combined as (s0 + s1) + (s2 + s3). One running sum waited four cycles on each
    /// addition: with a million weights the recursion's twenty dot products took a tenth of a
    /// sparse L-BFGS iteration (AMD EPYC).
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let n = min(a.count, b.count)
                var s0 = 0.0
                var s1 = 0.0
                var s2 = 0.0
                var s3 = 0.0
                var i = 0
                while i + 4 <= n {
                    s0 = s0 + a[i] * b[i]
                    s1 = s1 + a[i + 1] * b[i + 1]
                    s2 = s2 + a[i + 2] * b[i + 2]
                    s3 = s3 + a[i + 3] * b[i + 3]
                    i += 4
                }
                while i < n {
                    s0 = s0 + a[i] * b[i]
                    i += 1
                }
                return (s0 + s1) + (s2 + s3)
            }
        }
    }

    static func maximumMagnitude(_ a: [Double]) -> Double {
        var m = 0.0
        for v in a { m = max(m, abs(v)) }
        return m
    }
}
