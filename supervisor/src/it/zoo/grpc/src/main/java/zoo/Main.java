package zoo;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A gRPC server (grpc-java on its shaded Netty) with one unary method, {@code zoo.Zoo/Pid}, that answers its pid. Its
 * messages are plain UTF-8 text, so it needs no protobuf and no generated code.
 */
public class Main {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        MethodDescriptor.Marshaller<String> text = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(String value) {
                return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public String parse(InputStream stream) {
                try {
                    return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        MethodDescriptor<String, String> pid = MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("zoo.Zoo/Pid").setRequestMarshaller(text).setResponseMarshaller(text).build();
        ServerServiceDefinition zoo = ServerServiceDefinition.builder("zoo.Zoo")
                .addMethod(pid, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(Long.toString(ProcessHandle.current().pid()));
                    response.onCompleted();
                }))
                .build();
        Server server = NettyServerBuilder.forPort(port).addService(zoo).build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown));
        server.awaitTermination();
    }
}
