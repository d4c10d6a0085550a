// Transfers data by FileChannel.transferTo(position, chunk, sink channel):
// the JDK hands it to sendfile when the target is a socket or a file.
package zc.jvm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

public final class TransferTo implements Protocol.DataPath {
  @Override
  public void move(FileChannel src, WritableByteChannel dst, long size, long chunk,
      Protocol.Tally tally) throws IOException {
    for (long pos = 0; pos < size;) {
      long n = src.transferTo(pos, Math.min(chunk, size - pos), dst);
      tally.calls++;
      if (n <= 0) throw new IOException("transferTo moved nothing at " + pos + " of " + size);
      pos += n;
    }
  }

  public static void main(String[] args) {
    Protocol.run(new TransferTo());
  }
}
