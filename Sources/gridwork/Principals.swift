import ArgumentParser
import Glibc
import GridworkAPI
import GridworkJournal
import TokenDigest

/// `gridwork principals`: manage the file `serve --principals` reads.
struct Principals: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the principals file that `serve --principals` reads.",
        subcommands: [Add.self, List.self]
    )

    /// `gridwork principals add`: a new principal with a new token, printed once.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a principal and print its new token (once: only its SHA-256 is stored).",
            discussion: """
                Roles: admin (everything, admin routes), district (every record), town (the records of its \
                --town ids), grid (a grid cadre: reads its --grid ids, records work there as its --cadre), \
                viewer (reads only; limited to --town or --grid ids when given). The file is created when it \
                does not exist and replaced atomically. A running server reads it again on SIGHUP.
                """
        )

        @Option(help: ArgumentHelp("The principals file (created if missing).", valueName: "file"))
        var file: String

        @Option(help: "Stable id: 1–64 of a–z, 0–9, '-', '_', '.'.")
        var id: String

        @Option(help: "The person's name.")
        var name: String

        @Option(help: "admin, district, town, grid or viewer.")
        var role: String

        @Option(
            name: .customLong("town"), help: ArgumentHelp("A town id in scope; repeat for several.", valueName: "id"))
        var towns: [String] = []

        @Option(
            name: .customLong("grid"), help: ArgumentHelp("A grid id in scope; repeat for several.", valueName: "id"))
        var grids: [String] = []

        @Option(
            name: .customLong("cadre"), help: ArgumentHelp("The cadre a grid principal records as.", valueName: "id"))
        var cadreId: String?

        func run() throws {
            guard Principal.isValidID(id) else {
                throw ValidationError("--id must be 1–64 of a–z, 0–9, '-', '_', '.' (and not `seed` or `system`).")
            }
            guard let role = Principal.Role(rawValue: role) else {
                throw ValidationError(
                    "--role must be one of " + Principal.Role.allCases.map(\.rawValue).joined(separator: ", ") + ".")
            }
            var existing: [Principal] = []
            if access(file, F_OK) == 0 {
                do {
                    existing = try PrincipalDirectory.load(file)
                } catch {
                    throw ValidationError("\(error)")
                }
            }
            guard !existing.contains(where: { $0.id == id }) else {
                throw ValidationError("\(file) already has a principal `\(id)`.")
            }
            let token = PrincipalDirectory.newToken()
            let principal = Principal(
                id: id, name: name, role: role, towns: towns, grids: grids, cadreId: cadreId,
                tokenSha256: TokenDigest.sha256Hex(Array(token.utf8)))
            if let problem = PrincipalDirectory.scopeProblem(principal) { throw ValidationError(problem) }
            let slash = file.lastIndex(of: "/")
            let directory = slash.map { String(file[..<$0]) } ?? "."
            do {
                try FileIO.replaceAtomically(
                    file, with: PrincipalDirectory.encode(existing + [principal]), temporary: file + ".tmp",
                    directory: directory.isEmpty ? "/" : directory)
            } catch {
                throw ValidationError("cannot write \(file): \(error)")
            }
            print(token)
            FileHandleStderr.write(
                "added \(role.rawValue) principal `\(id)` to \(file); the token above is shown only now. "
                    + "Send it as `Authorization: Bearer <token>`; a running server picks it up on SIGHUP.\n")
        }
    }

    /// `gridwork principals list`: who is in the file (no tokens: the file has none).
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the principals of a file.")

        @Option(help: ArgumentHelp("The principals file.", valueName: "file"))
        var file: String

        func run() throws {
            let principals: [Principal]
            do {
                principals = try PrincipalDirectory.load(file)
            } catch {
                throw ValidationError("\(error)")
            }
            for principal in principals {
                let scope =
                    principal.towns.map { "town:\($0)" } + principal.grids.map { "grid:\($0)" }
                    + [principal.cadreId].compactMap { $0 }.map { "cadre:\($0)" }
                print(
                    [principal.id, principal.role.rawValue, principal.name, scope.joined(separator: ",")]
                        .joined(separator: "\t"))
            }
        }
    }
}

/// Writes to stderr without buffering, for the notes that must not mix with a printed token.
enum FileHandleStderr {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
