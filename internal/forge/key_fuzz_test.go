package forge

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

// FuzzParsePrivateKey checks that reading an App private key never panics,
// that a key it returns is valid, and that its error never repeats a line
// of the input: the file may be a real key in the wrong format, and the
// error is printed at start-up.
func FuzzParsePrivateKey(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		f.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	f.Add(pkcs1)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: pkcs8}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte{0x30, 0x00}}))
	f.Add(pkcs1[:len(pkcs1)/2])
	f.Add([]byte("not a key"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePrivateKey(data)
		if err == nil {
			if verr := k.Validate(); verr != nil {
				t.Fatalf("ParsePrivateKey returned an invalid key: %v", verr)
			}
			return
		}
		for line := range strings.Lines(string(data)) {
			if line = strings.TrimSpace(line); len(line) >= 16 && strings.Contains(err.Error(), line) {
				t.Fatalf("error %q repeats input line %q", err, line)
			}
		}
	})
}
