// Command app is the customer application of the Docker driver's real test: built
// static into a FROM scratch image, it answers on ADDR with "ok" at / and with the
// SHA-256 of the secret file hostpact wrote (HOSTPACT_SECRET_FILE) at /secret.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	http.HandleFunc("/secret", func(w http.ResponseWriter, _ *http.Request) {
		b, err := os.ReadFile(os.Getenv("HOSTPACT_SECRET_FILE"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sum := sha256.Sum256(b)
		fmt.Fprint(w, hex.EncodeToString(sum[:]))
	})
	log.Fatal(http.ListenAndServe(os.Getenv("ADDR"), nil))
}
