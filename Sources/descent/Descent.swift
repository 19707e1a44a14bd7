import ArgumentParser
import Descent

@main
struct DescentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "descent",
        abstract:
            "Train linear classifiers with gradient descent on every core, with the same bits for every thread count.",
        discussion: """
            `descent train` with no arguments runs the gradient-descent tutorial's experiment \
            (1000 blob points, 100 epochs, alpha 0.01, squared error, float64). \
            `descent generate` writes the blobs to a .npy or CSV file for other tools, `descent predict` applies a saved model to new rows, `descent verify` checks parallel runs against the serial run bit for bit, \
            `descent bench` measures scaling and memory bandwidth, and `descent topology` shows \
            the NUMA layout and shard placement.
            """,
        version: descentVersion,
        subcommands: [
            TrainCommand.self, GenerateCommand.self, PredictCommand.self, VerifyCommand.self, BenchCommand.self,
            TopologyCommand.self,
        ],
        defaultSubcommand: nil
    )

    static func main() {
        // Before anything opens a file: a closed standard stream gets /dev/null, so no file
        // of the run takes its descriptor and receives the messages meant for it.
        StandardStreams.reserveClosedDescriptors()
        main(nil)
    }
}
