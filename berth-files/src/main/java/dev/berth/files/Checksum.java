package dev.berth.files;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * A checksum computed on the bytes as they stream through a {@link FileCopy}, so verifying a copy costs no
 * second read of the file.
 *
 * {@snippet :
 * CopyResult result = FileCopy.from(upload).to(stored).checksum(Checksum.SHA_256).run();
 * String hex = result.checksum().orElseThrow(); // 64 lower-case hex digits
 * }
 *
 * <p>Choose {@link #SHA_256} to detect tampering or to compare with published digests, {@link #CRC32C} to
 * detect accidental corruption at a fraction of the cost (it runs on a CPU instruction on x86 and ARM).
 * Constants are immutable and safe to share; each copy gets its own running state.
 */
public enum Checksum {

    /** SHA-256 (FIPS 180-4): 64 lower-case hex digits. */
    SHA_256,

    /** CRC-32C (Castagnoli, as in iSCSI, ext4 and Kafka): 8 lower-case hex digits, big-endian. */
    CRC32C;

    /** Starts a fresh running checksum; not thread-safe, one per copy. */
    Running start() {
        return switch (this) {
            case SHA_256 -> new Sha256();
            case CRC32C -> new Crc32c();
        };
    }

    /** A checksum being computed over a stream of chunks. */
    interface Running {

        /** Adds the remaining bytes of {@code chunk}, leaving its position unchanged. */
        void update(ByteBuffer chunk);

        /** Adds {@code length} bytes of {@code bytes} from {@code offset}. */
        void update(byte[] bytes, int offset, int length);

        /** The checksum of everything added so far, as lower-case hex. */
        String hex();
    }

    private static final class Sha256 implements Running {
        private final MessageDigest digest;

        Sha256() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                // Every Java SE platform must provide SHA-256 (MessageDigest javadoc), so this means a broken JDK.
                throw new IllegalStateException("This JDK provides no SHA-256 MessageDigest, which Java SE requires", e);
            }
        }

        @Override
        public void update(ByteBuffer chunk) {
            digest.update(chunk.duplicate());
        }

        @Override
        public void update(byte[] bytes, int offset, int length) {
            digest.update(bytes, offset, length);
        }

        @Override
        public String hex() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    private static final class Crc32c implements Running {
        private final CRC32C crc = new CRC32C();

        @Override
        public void update(ByteBuffer chunk) {
            crc.update(chunk.duplicate());
        }

        @Override
        public void update(byte[] bytes, int offset, int length) {
            crc.update(bytes, offset, length);
        }

        @Override
        public String hex() {
            return HexFormat.of().toHexDigits((int) crc.getValue());
        }
    }
}
