// Prints a serialized Haystack Span as the original collector's `json` output format did:
// protobuf-java-util's JsonFormat.printer().omittingInsignificantWhitespace() (3.4.0, the
// version haystack-collector pinned). Reads the schema from a descriptor set written by
// protoc, so no generated Java code is needed. Used only by scripts/generate-vectors.sh.
//
//   java -cp <jars> scripts/vectors/PrintSpanJson.java <descriptor-set> <span.bin>
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.util.JsonFormat;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

public class PrintSpanJson {
  public static void main(String[] args) throws Exception {
    FileDescriptorSet set;
    try (FileInputStream in = new FileInputStream(args[0])) {
      set = FileDescriptorSet.parseFrom(in);
    }
    FileDescriptor file = FileDescriptor.buildFrom(set.getFile(0), new FileDescriptor[0]);
    Descriptor span = file.findMessageTypeByName("Span");
    DynamicMessage message = DynamicMessage.parseFrom(span, Files.readAllBytes(Paths.get(args[1])));
    String json = JsonFormat.printer().omittingInsignificantWhitespace().print(message);
    System.out.write(json.getBytes(StandardCharsets.UTF_8));
    System.out.flush();
  }
}
