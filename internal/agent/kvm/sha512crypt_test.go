package kvm

import "testing"

// Vectors from Drepper's specification (the same glibc and OpenSSL produce).
func TestSHA512Crypt(t *testing.T) {
	for _, v := range []struct{ pw, setting, want string }{
		{"Hello world!", "$6$saltstring", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"Hello world!", "$6$rounds=10000$saltstringsaltstring", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."},
		{"This is just a test", "$6$rounds=5000$toolongsaltstring", "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"},
		{"a very much longer text to encrypt.  This one even stretches over morethan one line.", "$6$rounds=1400$anotherlongsaltstring", "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"},
		{"the minimum number is still observed", "$6$rounds=10$roundstoolow", "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."},
	} {
		if got := sha512Crypt(v.pw, v.setting); got != v.want {
			t.Errorf("sha512Crypt(%q, %q) = %q, want %q", v.pw, v.setting, got, v.want)
		}
	}
	h, err := hashPassword(`Gr33n "tea"`)
	if err != nil {
		t.Fatal(err)
	}
	if !passwordMatches(h, `Gr33n "tea"`) || passwordMatches(h, "Gr33n") {
		t.Errorf("passwordMatches does not check %s", h)
	}
}

// FuzzPasswordMatches: a hash read back from a seed on disk must never panic the check.
func FuzzPasswordMatches(f *testing.F) {
	f.Add("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", "Hello world!")
	f.Add("$6$rounds=99999999999$x$y", "pw")
	f.Add("$6$rounds=$", "")
	f.Add("$6$", "")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		if passwordMatches(hash, pw) && sha512Crypt(pw, hash) != hash {
			t.Errorf("matched %q, which is not the hash of %q", hash, pw)
		}
	})
}
