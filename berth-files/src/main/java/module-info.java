/**
 * berth-files: chunked streaming copy with bounded memory, progress and checksums
 * ({@link dev.berth.files.FileCopy}), line streaming with exact error positions ({@link dev.berth.files.Lines}),
 * and temporary files and directories as scopes ({@link dev.berth.files.TempFile},
 * {@link dev.berth.files.TempDirectory}). Depends on berth-core only.
 */
module dev.berth.files {
    // transitive: TempFile and TempDirectory are dev.berth.scope.Scope and hand out AsyncScope, so users need core.
    requires transitive dev.berth.core;
    exports dev.berth.files;
}
