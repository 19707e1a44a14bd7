#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether this process was started by a launcher of several ranks.
package enum RankEnvironment {
    /// True when `mpirun` (Open MPI: `OMPI_COMM_WORLD_SIZE`) or a PMI launcher such as
    /// Slurm's `srun` (`PMI_SIZE`) started the process. Only then does the MPI build call
    /// `MPI_Init`, which otherwise spends about 0.3 s probing the network.
    package static var launchedByMPIRun: Bool {
        getenv("OMPI_COMM_WORLD_SIZE") != nil || getenv("PMI_SIZE") != nil
    }
}
