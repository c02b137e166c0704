{
  "signatures": [
    {
      "keyId": "ed25519:bad12225de9ca5f8",
      "sig": "9qGZhMXEcn3pH01eeR1zRS/FQ5Pp1rTVFJ2gadQy/AzC44m0mHhQLnaqJvVOs8U5z0D3Jvm/A0MqZqyhSnDyAw=="
    }
  ]
}
