// Apache Santuario (Debian's libxml-security-java, the library under the EU eDelivery
// gateways) verifying the same signed edXML document as verify_bench, on one thread.
//
//   java -cp ... SantuarioBench FILE ROUNDS SECONDS
//
// Per document: parse (namespace-aware DOM, secure processing), find the ds:Signature,
// XMLSignature over it, take the X509Certificate from KeyInfo and checkSignatureValue with its
// public key. The certificate chain is NOT validated here (a hub would add that), so this
// measures less work than the docaxis verifier does. Prints the median rate of ROUNDS rounds
// of SECONDS seconds each, after a warm-up for the JIT.
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import org.apache.xml.security.Init;
import org.apache.xml.security.signature.XMLSignature;
import org.apache.xml.security.utils.Constants;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public final class SantuarioBench {
  private static DocumentBuilder builder() throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder();
  }

  private static boolean verify(DocumentBuilder b, byte[] bytes) throws Exception {
    Document doc = b.parse(new ByteArrayInputStream(bytes));
    NodeList sigs = doc.getElementsByTagNameNS(Constants.SignatureSpecNS, "Signature");
    if (sigs.getLength() != 1) return false;
    XMLSignature sig = new XMLSignature((Element) sigs.item(0), "", true);
    X509Certificate cert = sig.getKeyInfo().getX509Certificate();
    return cert != null && sig.checkSignatureValue(cert);
  }

  public static void main(String[] args) throws Exception {
    Init.init();
    byte[] bytes = Files.readAllBytes(Path.of(args[0]));
    int rounds = Integer.parseInt(args[1]);
    double seconds = Double.parseDouble(args[2]);
    DocumentBuilder b = builder();
    if (!verify(b, bytes)) {
      System.err.println("santuario: the document does not verify");
      System.exit(1);
    }
    long warm = System.nanoTime() + 3_000_000_000L;
    while (System.nanoTime() < warm) verify(b, bytes);
    double[] rates = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long n = 0;
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      while (System.nanoTime() < end) {
        if (!verify(b, bytes)) throw new IllegalStateException("verification failed");
        n++;
      }
      rates[r] = n / ((System.nanoTime() - start) / 1e9);
    }
    Arrays.sort(rates);
    System.out.printf("%-14s %8d %12.0f %12.1f%n", "santuario", 1, rates[rounds / 2],
        1e6 / rates[rounds / 2]);
  }
}
